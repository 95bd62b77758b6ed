-- MetricsRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- MetricsRepository.tipsByStatus
SELECT status, count(*)::int AS count FROM tips GROUP BY status;

-- MetricsRepository.payoutsByState
SELECT state, count(*)::int AS count FROM payouts GROUP BY state;
