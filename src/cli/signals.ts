/** Waits for SIGINT/SIGTERM; the first closes cleanly, a second forces exit. */
export async function untilSignal(close: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    let closing = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (closing) {
        console.error(`\n${sig} again: forcing exit`);
        process.exit(130);
      }
      closing = true;
      console.error(`\n${sig}: closing (press Ctrl-C again to force)`);
      void close().then(resolve, (e) => {
        console.error('close failed', e);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
