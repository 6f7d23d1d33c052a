export declare const BUILD_STAMP: string;
export declare function buildInputsHash(root: string): string;
