// Loaded into the CLI with NODE_OPTIONS=--import: the machine's clock, as every Date in the process reads it, is
// UPLOAD_TO_S3_TEST_CLOCK_SKEW_MS off the real time (a field laptop whose clock or time zone is wrong).
const skewMs = Number(process.env.UPLOAD_TO_S3_TEST_CLOCK_SKEW_MS ?? 0);
const RealDate = Date;

class SkewedDate extends RealDate {
  /** @param {ConstructorParameters<DateConstructor>} args */
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + skewMs);
    else super(...args);
  }

  static now() {
    return RealDate.now() + skewMs;
  }
}

globalThis.Date = SkewedDate;
