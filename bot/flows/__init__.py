"""Multi-step flows (complaint, redeem, profile, erase-me). State lives in Redis through `Turn.state`."""
