"""MLflow models-from-code entry: copied into every saved model (win or slip) and run when the model is loaded."""

from mlflow.models import set_model

from ml.registry.pyfunc import PyfuncModel

set_model(PyfuncModel())
