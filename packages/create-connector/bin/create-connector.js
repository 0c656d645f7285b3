#!/usr/bin/env node
// Bin shim: present before the first build, so npm links it on a fresh clone; the CLI itself is in dist/.
import '../dist/cli.js';
