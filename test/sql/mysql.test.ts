/** The SQL connector end to end against MariaDB or MySQL (TEST_MYSQL_URL; .ci/start-mariadb.sh). */
import { serverSuite } from './server-suite.js';

serverSuite('mysql', 'TEST_MYSQL_URL', 'MariaDB');
