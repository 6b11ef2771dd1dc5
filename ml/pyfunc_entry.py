"""MLflow models-from-code entry: copied into every saved win model and run when the model is loaded."""

from mlflow.models import set_model

from ml.pyfunc_model import WinPyfuncModel

set_model(WinPyfuncModel())
