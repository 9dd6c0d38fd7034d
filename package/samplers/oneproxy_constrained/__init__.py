from .sampler import LatencyConstraint
from .sampler import ProxyConstrainedSampler


__all__ = ["ProxyConstrainedSampler", "LatencyConstraint"]
