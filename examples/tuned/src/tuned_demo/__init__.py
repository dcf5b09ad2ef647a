"""tuned-demo: shows what the [tool.flavor.build] settings did to the packed app."""
