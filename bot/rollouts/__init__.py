"""Section rollouts: planning a cohort's posts around its circles, pure and platform-free."""
