"""What the models read: the targets, the feature contract, the warehouse reads and the time split."""
