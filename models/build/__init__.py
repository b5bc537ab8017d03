"""Reproducible build of models/onnx/ from the MediaPipe wheel (see build.py)."""
