"""The compiled model as files and in other libraries (leaves).

``safetensors.save`` / ``safetensors.load`` (core install) and
``transformer_lens.to_transformer_lens`` (the ``transformer-lens`` extra). See README.md here.
"""
