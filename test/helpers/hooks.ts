/**
 * Wraps a suite's before hook so that its failure is printed. uvu swallows an error thrown by a
 * before hook: the suite shows (0 / N) and nothing else, which leaves a CI log without a reason.
 */
export function reported<T>(hook: (context: T) => Promise<void> | void): (context: T) => Promise<void> {
  return async (context) => {
    try {
      await hook(context);
    } catch (err) {
      console.error("\nbefore hook failed:", err);
      throw err;
    }
  };
}
