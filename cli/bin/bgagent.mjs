#!/usr/bin/env node
import "../dist/bgagent.mjs";
