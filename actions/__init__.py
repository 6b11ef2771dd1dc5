"""Today's Most Valuable Actions: a RevOps-edited playbook, valued with the win model, top 3 per rep."""
