using Panel.Domain.Common;

namespace Panel.Domain.Tests;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1 KiB")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(1073741824, "1 GiB")]
    [InlineData(-2048, "-2 KiB")]
    public void ToString_reads_like_people_write_it(long bytes, string expected) => new ByteSize(bytes).ToString().ShouldBe(expected);
}
