import express4 from 'express4';
import { describeExpressScenarios } from './testing/targets.ts';

describeExpressScenarios('express 4', express4);
