#!/usr/bin/env node
// `cdk synth -c stage=dev|prod` (and `-c placeholderAssets=true` before any Lambda build).
import { build } from '../lib/app';

build();
