// The output formats every command renders to (see render.ts); a module of
// its own so the option parser can name them without loading the renderers.
export const FORMATS = ['table', 'json', 'markdown', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** "1 host", "2 hosts": a count in the words of a sentence. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
