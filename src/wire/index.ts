export * from './align.js';
export * from './attribute.js';
export * from './errors.js';
export * from './extack.js';
export * from './message.js';
export * from './writer.js';
