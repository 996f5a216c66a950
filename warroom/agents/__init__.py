"""warroom.agents"""
