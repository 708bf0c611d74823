-- The usage snapshot's shadow: each upkeep pass builds the next snapshot here (every month
-- of the current one hard-linked in, the changed months replaced from staging), then swaps
-- it with attribution_usage_daily in one `EXCHANGE TABLES`, so every answer reads one pass,
-- whatever months it spans. Same structure, partition key and projections as the snapshot,
-- as `REPLACE PARTITION` between them requires. Emptied at the start of the next pass.
CREATE TABLE IF NOT EXISTS attribution_usage_daily_shadow AS attribution_usage_daily;
