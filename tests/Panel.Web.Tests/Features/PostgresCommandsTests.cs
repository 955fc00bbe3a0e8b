using Panel.Web.Features.Homeserver;

namespace Panel.Web.Tests.Features;

public sealed class PostgresCommandsTests
{
    [Fact]
    public void Every_command_runs_as_the_homeserver_role()
    {
        IEnumerable<IReadOnlyList<string>> all =
        [
            PostgresCommands.IsReady, PostgresCommands.Sql("SELECT 1"), PostgresCommands.Script(),
            PostgresCommands.Dump("synapse"), PostgresCommands.Restore("bridge_signal", "bridge_signal"),
        ];

        all.ShouldAllBe(c => c.SkipWhile(a => a != "-U").Skip(1).First() == SynapseLayout.PostgresUser);
    }

    [Fact]
    public void A_query_for_a_value_prints_it_bare_and_a_restore_can_give_the_objects_an_owner()
    {
        PostgresCommands.Sql("SELECT 1", tuplesOnly: true).ShouldContain("-tAc");
        PostgresCommands.Restore("db", "owner").ShouldContain("--role=owner");
        PostgresCommands.Restore("db", null).ShouldNotContain(a => a.StartsWith("--role", StringComparison.Ordinal));
        PostgresCommands.Script().ShouldContain("ON_ERROR_STOP=1");
    }
}
