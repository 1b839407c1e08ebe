"""Multi-step flows (complaint, redeem, profile_edit, rating). State lives in Redis through `Turn.state`."""
