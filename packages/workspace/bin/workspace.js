#!/usr/bin/env node
// Bin shim: present before the first build, so npm can link it; the CLI itself is in dist/.
import '../dist/cli/index.js';
