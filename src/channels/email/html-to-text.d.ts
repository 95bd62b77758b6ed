// html-to-text 10 ships no types (DefinitelyTyped's are for 9): the one function we call.
declare module 'html-to-text' {
  export function convert(html: string, options?: { wordwrap?: number | false | null; limits?: { maxDepth?: number; maxInputLength?: number } }): string;
}
