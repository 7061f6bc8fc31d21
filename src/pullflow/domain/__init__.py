"""The domain: boards, stages, items, experiments, the andon and events, in pure Python."""
