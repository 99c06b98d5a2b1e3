"""Task data bundled with SkillGym: tasks/<family>/<name>/task.yaml."""
