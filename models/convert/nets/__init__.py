"""Our own PyTorch definitions of third-party networks, rebuilt from the specs in ../shared/docs."""
