"""The citizen's side of the loop: rating and accepting a resolution, reopening it, and asking
Aduan to stop (or start again) sending messages."""
