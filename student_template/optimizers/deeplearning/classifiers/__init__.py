from .fc_net import FullyConnectedNet

__all__ = ["FullyConnectedNet"]
