/** Types of convert.mjs (a plain ES module: scripts/check-salesforce.mjs imports it without a loader). */
export declare const PANEL_RESOURCE: string;
export declare const EXPECTED_TYPES: Record<string, string[]>;
export interface ConvertedPackage {
  path: string;
  components: { type: string; fullName: string }[];
  types: string[];
  manifest: string;
  unclaimed: string[];
  missingTypes: string[];
}
export declare function convertProject(
  projectDir: string,
  options?: { outputDir?: string },
): Promise<{ packages: ConvertedPackage[]; resourcePlaceholder: boolean }>;
