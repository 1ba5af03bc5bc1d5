/**
 * Attributes in the order they are to be sent, a name as often as it comes. iproute2 adds an attribute each time
 * a keyword is given (the kernel keeps the last), so the request of `… stp_state 1 stp_state 0` holds
 * IFLA_BR_STP_STATE twice; an object holds a name once. A value that carries its sequence under this symbol is
 * sent in that order, repeats and all, and still reads as a plain object (each name with its last value). A
 * name's last place sends the value's own property (so an assignment after the fact is what goes out); own names
 * the sequence lacks follow it.
 */
export const ATTRIBUTE_SEQUENCE: unique symbol = Symbol.for('nlkit.attributeSequence');

/** Names and values, in sending order. */
export type AttributeSequence = [name: string, value: unknown][];

/** A value that may carry its sending order. */
export interface Sequenced {
  [ATTRIBUTE_SEQUENCE]?: AttributeSequence;
}

/**
 * Add an attribute to `value` as iproute2's addattr adds one: sent after those added before, even when the name
 * was added already; `value[name]` becomes the last value.
 */
export function addAttribute(value: Record<string, unknown> & Sequenced, name: string, v: unknown): void {
  if (!value[ATTRIBUTE_SEQUENCE]) {
    // What the value held before its first added attribute goes first, in its own order. The symbol is an own
    // enumerable property so that a copy by spread keeps it.
    value[ATTRIBUTE_SEQUENCE] = Object.entries(value);
  }
  value[ATTRIBUTE_SEQUENCE]!.push([name, v]);
  value[name] = v;
}
