// Lint (README, "Lint"): type-aware typescript-eslint for the TypeScript, plain rules for public/.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** what public/ reads from the browser (no `globals` package in the tree): add a name when it is used */
const BROWSER_GLOBALS = `
  AbortController CSS ResizeObserver URL URLSearchParams clearInterval clearTimeout console crypto document fetch
  history localStorage location navigator sessionStorage setInterval setTimeout window
`
  .trim()
  .split(/\s+/);

export default tseslint.config(
  { ignores: ["node_modules/**", "data/**", "migrations/**", "client/dist/**", "public/vendor/**"] },
  js.configs.recommended,
  {
    files: ["public/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: Object.fromEntries(BROWSER_GLOBALS.map((name) => [name, "readonly"])),
    },
  },
  {
    // every .ts file belongs to tsconfig.json (src, schema, test, loadtest, *.ts) or client/tsconfig.json
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // Promise.all([p, undefined]) is fine: what matters is that no promise is left out
      "@typescript-eslint/await-thenable": ["error", { allowMixedPromiseArrays: true }],
      // Promise.reject(err) of a caught `unknown` passes it on unchanged, as `throw err` would
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      // an async function without await still means "returns a promise, rejects instead of throwing"
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // tests and load tests read JSON answers and state loosely (`any`); the promise rules stay on
    files: ["test/**/*.ts", "loadtest/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unnecessary-type-assertion": "off",
      "@typescript-eslint/no-base-to-string": "off",
      "@typescript-eslint/restrict-template-expressions": "off",
    },
  },
);
