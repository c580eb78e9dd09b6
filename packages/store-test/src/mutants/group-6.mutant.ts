import { registerGroup } from './register.ts';

registerGroup(6);
