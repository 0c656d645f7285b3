/** The SQL connector end to end against PostgreSQL (TEST_DATABASE_URL; .ci/start-postgres.sh). */
import { serverSuite } from './server-suite.js';

serverSuite('postgres', 'TEST_DATABASE_URL', 'PostgreSQL');
