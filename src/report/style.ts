// How text is coloured. Whether it may be is decided once, in src/cli/ui.ts
// (a terminal, NO_COLOR unset, TERM not dumb), and arrives here as a flag.
import { styleText } from 'node:util';

const ROLES = {
  critical: ['red', 'bold'],
  warning: 'yellow',
  info: 'cyan',
  heading: 'bold',
  removed: 'red',
  added: 'green',
  dim: 'dim',
} satisfies Record<string, Parameters<typeof styleText>[0]>;
export type Role = keyof typeof ROLES;

export type Paint = (role: Role, text: string) => string;

export function painter(color: boolean): Paint {
  // validateStream: false, since the decision was made for the stream the text goes to.
  return color ? (role, text) => styleText(ROLES[role], text, { validateStream: false }) : (_role, text) => text;
}
