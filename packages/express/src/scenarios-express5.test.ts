import express from 'express';
import { describeExpressScenarios } from './testing/targets.ts';

describeExpressScenarios('express 5', express);
