/** The compiler of declarations: a FamilyDecl into the compiled form of compiled.ts. */
import type { FamilyDecl, MemberDecl, StructDecl, SubMessageVariant } from './declaration.js';
import type { Attr, CompiledEnum, CompiledMessage, CompiledSet, CompiledStruct, Field, SubMessage, SubMessageVariantCompiled } from './compiled.js';
import { JIT_AFTER, K_NEST, K_UINT, SchemaError, displayCode, intSize, kinds } from './kinds.js';

/**
 * The variants of a sub-message attribute, compiled on first use: rt_link's linkinfo alone names dozens of
 * kinds, and a command that meets one of them should not pay for the rest.
 */
class LazySubMessage implements SubMessage {
  private readonly compiled = new Map<string, SubMessageVariantCompiled | null>();
  constructor(
    private readonly schema: Compiler,
    private readonly variants: Readonly<Record<string, SubMessageVariant>>,
  ) {}

  get(key: string): SubMessageVariantCompiled | undefined {
    let c = this.compiled.get(key);
    if (c === undefined) {
      const v = Object.hasOwn(this.variants, key) ? this.variants[key]! : undefined;
      c = v ? { header: v.fixedHeader ? this.schema.struct(v.fixedHeader) : undefined, set: v.attributeSet ? this.schema.set(v.attributeSet) : undefined, nested: v.nested === true } : null;
      this.compiled.set(key, c);
    }
    return c ?? undefined;
  }

  compileAll(): void {
    for (const key of Object.keys(this.variants)) this.get(key);
  }
}

/**
 * A family's declaration compiled into the tables the decoder and encoder walk, each struct, set and message on
 * its first use. The Schema (codec.ts) is this with decoding and encoding.
 */
export class Compiler<F extends FamilyDecl = FamilyDecl> {
  readonly sets = new Map<string, CompiledSet>();
  readonly structs = new Map<string, CompiledStruct>();
  private readonly enums = new Map<string, CompiledEnum>();
  private readonly messages = new Map<string, CompiledMessage>();
  private layouts: Map<number, CompiledMessage> | undefined;

  /** Where every use counter starts, so that JIT code is built after `jitAfter` uses (JIT_AFTER by default). */
  protected readonly firstUse: number;

  /**
   * Nothing is compiled up front: a family declares hundreds of sets and messages and a short-lived process (the
   * CLI) uses a few, so each is compiled on first use. `jitAfter`: uses before JIT code is built — 0 at
   * once, Infinity never (the generic code only, as a reference).
   */
  constructor(
    readonly decl: F,
    options: { jitAfter?: number } = {},
  ) {
    this.firstUse = JIT_AFTER - (options.jitAfter ?? JIT_AFTER);
  }

  /** Message layout by nlmsg_type (netlink-raw) or genetlink command, the first declared winning. */
  get byValue(): Map<number, CompiledMessage> {
    if (!this.layouts) {
      this.layouts = new Map();
      for (const [name, m] of Object.entries(this.decl.messages)) if (!this.layouts.has(m.value)) this.layouts.set(m.value, this.message(name));
    }
    return this.layouts;
  }

  /** Compile every struct, attribute set and message now, to find a broken declaration at once. */
  compileAll(): this {
    for (const name of Object.keys(this.decl.enums)) this.enumeration(name);
    for (const name of Object.keys(this.decl.structs)) this.struct(name);
    for (const name of Object.keys(this.decl.attributeSets)) for (const a of this.set(name).attrs) a.subMessage?.compileAll();
    for (const name of Object.keys(this.decl.messages)) this.message(name);
    return this;
  }

  message(name: string): CompiledMessage {
    let cm = this.messages.get(name);
    if (cm) return cm;
    const m = this.decl.messages[name];
    if (!m) throw new SchemaError(name, `no message ${name} in family ${this.decl.name}`);
    cm = {
      name,
      fast: undefined,
      uses: this.firstUse,
      value: m.value,
      header: m.fixedHeader ? this.struct(m.fixedHeader) : undefined,
      set: m.attributeSet ? this.set(m.attributeSet) : undefined,
    };
    this.messages.set(name, cm);
    return cm;
  }

  private enumeration(name: string | undefined): CompiledEnum | undefined {
    if (name === undefined) return undefined;
    let compiled = this.enums.get(name);
    if (compiled) return compiled;
    const e = this.decl.enums[name];
    if (!e) throw new SchemaError(name, `unknown enum ${name} in family ${this.decl.name}`);
    const byValue = new Map<number, string>();
    const byName = new Map<string, number>();
    for (const [k, v] of Object.entries(e.entries)) {
      if (!byValue.has(v)) byValue.set(v, k);
      byName.set(k, v);
    }
    const bits = [...byValue.keys()].filter((v) => v !== 0);
    compiled = { flags: e.type === 'flags', byValue, byName, bits, bitNames: bits.map((v) => byValue.get(v)!) };
    this.enums.set(name, compiled);
    return compiled;
  }

  struct(name: string): CompiledStruct {
    let s = this.structs.get(name);
    if (s) return s;
    const decl: StructDecl | undefined = this.decl.structs[name];
    if (!decl) throw new SchemaError(name, `unknown struct ${name} in family ${this.decl.name}`);
    s = { name, size: 0, fields: [], names: new Set(), uses: this.firstUse };
    this.structs.set(name, s);
    let offset = 0;
    for (const m of decl.members) {
      const f = this.field(m, offset);
      offset += f.len;
      if (m.type !== 'pad') {
        s.fields.push(f);
        s.names.add(f.name);
      }
    }
    s.size = offset;
    return s;
  }

  private field(m: MemberDecl, offset: number): Field {
    const kind = kinds[m.type]!;
    const struct = m.struct ? this.struct(m.struct) : undefined;
    return {
      name: m.name,
      kind,
      be: m.byteOrder === 'big-endian',
      display: displayCode(m.display),
      enumeration: this.enumeration(m.enum),
      asFlags: m.enumAsFlags ?? false,
      offset,
      len: kind < K_UINT ? intSize[kind]! : (m.len ?? struct?.size ?? 0),
      struct,
    };
  }

  set(name: string): CompiledSet {
    let s = this.sets.get(name);
    if (s) return s;
    const decl = this.decl.attributeSets[name];
    if (!decl) throw new SchemaError(name, `unknown attribute set ${name} in family ${this.decl.name}`);
    s = { name, byType: [], byName: new Map(), attrs: [], uses: this.firstUse };
    this.sets.set(name, s);
    for (const a of decl.attributes) {
      const base = this.field({ name: a.name, type: 'u8', enum: a.enum, enumAsFlags: a.enumAsFlags, byteOrder: a.byteOrder, display: a.display, struct: a.struct }, 0);
      const attr: Attr = {
        ...base,
        kind: kinds[a.type]!,
        len: 0,
        value: a.value,
        multi: a.multi ?? false,
        nested: undefined,
        subKind: a.subType ? kinds[a.subType]! : K_NEST,
        structArray: a.structArray ?? false,
        element: undefined,
        elementLength: undefined,
        subMessage: undefined,
        selector: a.selector ?? '',
        header: undefined,
        decl: a,
      };
      s.byType[a.value] = attr;
      s.byName.set(a.name, attr);
      s.attrs.push(attr);
    }
    // Resolve references after registering the set, so self-referencing sets terminate.
    for (const attr of s.attrs) {
      const a = attr.decl;
      if (a.nested) attr.nested = this.set(a.nested);
      if (a.fixedHeader) attr.header = this.struct(a.fixedHeader);
      if (a.elementAttributes) attr.element = this.set(a.elementAttributes);
      if (a.elementLength && attr.struct) attr.elementLength = attr.struct.fields.find((f) => f.name === a.elementLength);
      if (a.subMessage) {
        const variants = this.decl.subMessages[a.subMessage];
        if (!variants) throw new SchemaError(a.name, `unknown sub-message ${a.subMessage}`);
        attr.subMessage = new LazySubMessage(this, variants);
      }
    }
    // A packed array (no holes) keeps the decoder's table lookup on the fast path.
    s.byType = Array.from(s.byType);
    return s;
  }
}
