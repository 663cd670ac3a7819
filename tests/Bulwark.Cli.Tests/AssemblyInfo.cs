// Each test runs the bulwark program in this process with Console.Out and Console.Error redirected, and those
// streams are process-wide: the tests must run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
