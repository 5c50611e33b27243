"""Attribution benchmark: planted behaviours in SmolLM2-135M-Instruct (LoRA), every method asked which training rows
caused the model's own generations. Entry point: ``python -m benchmarks.attribution.bench`` (see its ``--help``)."""
