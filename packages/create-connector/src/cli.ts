#!/usr/bin/env node
/**
 * The `create-connector` bin (`npx create-connector`, `npm init connector`).
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
