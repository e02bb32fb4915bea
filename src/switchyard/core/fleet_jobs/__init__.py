"""Fleet jobs: one per-station procedure applied to many stations in waves (migrations, policy
rollouts, commissioning). `waves` decides who starts next; the procedures decide what each
station does."""
