"""Readers and writers for other tools' exports: ActionableAgile, Jira, Trello, events CSV."""
