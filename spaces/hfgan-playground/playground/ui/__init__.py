"""The Gradio layer: one module per tab and the layout. Thin wiring over :class:`playground.service.Playground`."""
