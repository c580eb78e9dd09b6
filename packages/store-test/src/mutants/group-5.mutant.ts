import { registerGroup } from './register.ts';

registerGroup(5);
