"""SkillGym environments: the core contract and one folder per family."""
