"""Neural network modules (``nn.Module`` only: no training code here)."""
