#!/usr/bin/env node
import { run } from '../dist/orchestrator/cli.js';

run();
