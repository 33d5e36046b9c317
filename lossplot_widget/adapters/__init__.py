"""What the framework adapters share (no framework imports here): value conversion, display, and the
Lightning hooks used by both Lightning namespaces. The public adapters are
:mod:`lossplot_widget.keras`, :mod:`lossplot_widget.lightning` and :mod:`lossplot_widget.pytorch_lightning`."""
