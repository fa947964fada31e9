"""seqgen: design DNA and protein sequences with deep generative models."""
from seqgen.errors import SeqgenError

__version__ = "0.1.0"
__all__ = ["SeqgenError", "__version__"]
