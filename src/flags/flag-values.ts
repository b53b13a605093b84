/** The value of a flag's variant, as flagd defines it: a boolean, string, number or JSON object. */
export type FlagValue = boolean | string | number | { readonly [key: string]: unknown } | readonly unknown[];

/** The context an evaluation is made for (OpenFeature's EvaluationContext, as JSON). */
export type EvaluationContext = Readonly<Record<string, unknown>>;
