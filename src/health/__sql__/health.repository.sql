-- HealthRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- HealthRepository.ping
SELECT 1;
